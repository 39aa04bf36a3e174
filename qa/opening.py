"""Opening an index, for the CLI and the web chat alike: build it if missing, update it if its corpus changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qa.index import BuildSettings, Index, IndexError_
from qa.index_build import build_index


def open_index(
    index: Path,
    corpus: Path,
    settings: BuildSettings | None = None,
    build: Callable[[Path, Path, BuildSettings], Index] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Index:
    """Load the index; build it if missing, rebuild it (incrementally) if its corpus changed."""
    settings = settings or BuildSettings()
    build = build or (lambda c, i, s: build_index(c, i, s))
    if not (index / "manifest.json").exists():
        if not corpus.exists():
            raise IndexError_(
                f"no index in {index} and no corpus at {corpus} (run: qa index --corpus DIR --index {index})"
            )
        say(f"building the index in {index} from {corpus} …")
        return build(corpus, index, settings)
    loaded = Index.load(index)
    stale = loaded.is_stale()
    if stale:
        say(f"{stale}; updating the index …")
        built = Path(loaded.manifest["corpus"]["path"])
        return build(built, index, BuildSettings.from_json(loaded.manifest["settings"]))
    return loaded
