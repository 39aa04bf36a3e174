"""Demonyms linked to the corpus's place names by the encoder, and the real model's separation of them."""

from __future__ import annotations

import numpy as np
import pytest

from qa.linking import PlaceLinker


class TableEncoder:
    """Vectors from a table: the linker's rules without a model."""

    name, dim = "table", 3

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return np.array([self.table[t] for t in texts], dtype=np.float32)


TABLE = {
    "France": [1.0, 0.0, 0.0],
    "Russia": [0.0, 1.0, 0.0],
    "Italy": [0.1, 0.2, 1.0],
    "French": [0.8, 0.1, 0.1],  # near France, far from the rest
    "China": [0.1, 0.9, 0.5],  # near Russia, but another place, not a form of it
    "Crimean": [0.1, 0.8, 0.1],  # near Russia, other first letter
}


def test_a_demonym_links_to_its_country_only() -> None:
    linker = PlaceLinker(TableEncoder(TABLE), ["France", "Russia", "Italy"], threshold=0.7, margin=0.1)
    assert linker.link("French", True) == ("France",)
    assert linker.link("China", True) == ()  # first letter differs from Russia's: another place
    assert linker.link("Crimean", True) == ()
    assert linker.link("Crimean", False) == ("Russia",)  # a name the corpus uses may link more freely


def test_no_places_no_links() -> None:
    assert PlaceLinker(TableEncoder(TABLE), []).link("French", True) == ()


@pytest.mark.model
def test_the_real_encoder_separates_demonyms_from_other_countries() -> None:
    from qa.encoders import encoder_for

    linker = PlaceLinker(
        encoder_for("onnx-int8"), ["France", "Tunisia", "Russia", "United Kingdom", "Germany"]
    )
    assert linker.link("French", True) == ("France",)
    assert "United Kingdom" in linker.link("British", False)
    assert linker.link("China", True) == () and linker.link("Brazil", True) == ()


def test_warm_embeds_the_places_once_ahead_of_the_first_link() -> None:
    calls: list[list[str]] = []

    class Counting(TableEncoder):
        def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
            calls.append(list(texts))
            return super().encode(texts, batch_size)

    linker = PlaceLinker(Counting(TABLE), ["France", "Russia", "Italy"])
    linker.warm()
    assert calls == [["France", "Italy", "Russia"]]
    linker.link("French", True)
    linker.link("French", True)  # remembered
    assert calls[1:] == [["French"]]
