"""The web chat: ``python ui.py [--port N] [--index DIR] [--corpus DIR]`` (also ``qa serve``).

Binds 127.0.0.1 unless ``--host`` says otherwise; a public share link only with ``--share``.
Set ``QA_AUTH=user:password`` (or a file of such lines) to require a login.
"""

from __future__ import annotations

import sys

from qa.cli import serve_main

if __name__ == "__main__":
    sys.exit(serve_main(sys.argv[1:]))
