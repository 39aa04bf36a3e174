from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "corpus"
SQUAD = SHARED / "data" / "squad-dev-v1.1.json"
REUTERS = SHARED / "data" / "reuters21578.jsonl.gz"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled articles."""
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture(scope="session")
def harbour_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Two one-sentence articles, fake encoder: the crane's passage shares the question's words, the bell's not."""
    return index_over(
        tmp_path_factory.mktemp("harbour"),
        {
            "crane": "Calder harbour\n\nThe Calder harbour authority said the new crane can lift 40 tonnes.",
            "bell": "Museum notes\n\nA museum guide said the oldest bell in the region weighs 90 tonnes.",
        },
    )


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus indexed with the deterministic fake encoder (NER on: the reader needs entities)."""
    from qa.index import BuildSettings
    from qa.index_build import build_index

    path = tmp_path_factory.mktemp("hash-index")
    build_index(SEEDS, path, BuildSettings(encoder="hash-256", ner=True))
    return path


def index_over(root: Path, texts: dict[str, str], ner: bool = False, encoder: str = "hash-256"):  # type: ignore[no-untyped-def]
    """An index (fake encoder by default) over ``texts``, name -> article, written as ``root/corpus/NAME.txt``."""
    from qa.index import BuildSettings, Index
    from qa.index_build import build_index

    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name, text in texts.items():
        (corpus / f"{name}.txt").write_text(text, "utf-8")
    build_index(corpus, root / "idx", BuildSettings(encoder=encoder, ner=ner))
    return Index.load(root / "idx")


# Three small articles for the .[scale] tests (Milvus, Ray): numbers, names and words to search for.
SCALE_TEXTS = {
    "port": "Harbour traffic rises\n\nThe harbour master in Rotterdam said 42 ships docked on Friday, the most "
    "this year. Officials from the Port of Rotterdam Authority expect 50 next week.",
    "mill": "Mill closes\n\nAbout 350 workers lost their jobs at the Stora Enso paper mill in Finland on Tuesday.",
    "vote": "Council vote\n\nThe Leeds council counted 4,321 votes for the new bridge and 1,200 against it. "
    "Mayor Jane Smith said work starts in May.",
}


def scale_corpus(root: Path) -> Path:
    """``SCALE_TEXTS`` as a corpus folder under ``root``."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in SCALE_TEXTS.items():
        (corpus / f"{name}.txt").write_text(text, "utf-8")
    return corpus


def require_scale_extra(module: str) -> None:
    """Skip the calling test module without the .[scale] extra's ``module``; fail instead under
    QA_REQUIRE_SCALE (CI installs the extra, so a missing piece must not pass as a skip)."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("QA_REQUIRE_SCALE"):
            raise RuntimeError(f"QA_REQUIRE_SCALE is set but {module} is missing: pip install -e '.[scale]'")
        pytest.skip(f"needs the .[scale] extra ({module})", allow_module_level=True)


def run_fresh(code: str) -> list[str]:
    """What ``code`` prints in a fresh interpreter, split into words: which modules a path imports is only
    visible in a process that has not imported them already."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
