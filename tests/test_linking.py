"""Demonyms linked to the corpus's place names by the encoder, and the real model's separation of them."""

from __future__ import annotations

import numpy as np
import pytest

from qa.linking import PlaceLinker, same_place


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


NEIGHBOURS = {
    "Norvia": [1.0, 0.0, 0.0],
    "Sorvia": [0.9, 0.44, 0.0],  # Norvia's neighbour
    "Italy": [0.0, 0.0, 1.0],
    "UK": [0.0, 1.0, 0.0],
    "United Kingdom": [0.0, 0.97, 0.25],
    "Vestic": [0.97, 0.22, 0.1],  # a people near both neighbours, the country of neither
    "British": [0.0, 0.98, 0.2],
}


def test_a_people_near_two_places_links_to_neither_but_forms_of_one_place_link_together() -> None:
    places = ["Norvia", "Sorvia", "Italy", "UK", "United Kingdom"]
    linker = PlaceLinker(TableEncoder(NEIGHBOURS), places, threshold=0.7, margin=0.1)
    assert linker.link("Vestic", False) == ()
    assert set(linker.link("British", False)) == {"UK", "United Kingdom"}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("UK", "United Kingdom", True),
        ("U.S.", "United States", True),
        ("US", "USA", True),
        ("U.K.", "UK", True),
        ("UK", "Ukraine", False),
        ("US", "UK", False),
        ("Norvia", "Sorvia", False),
    ],
)
def test_forms_of_one_place_name(a: str, b: str, same: bool) -> None:
    assert same_place(a, b) is same
