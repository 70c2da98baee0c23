"""``python -m extractor`` runs the ``evidence`` command line."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; Ctrl-C while it is still starting is one line and status 130."""
    try:
        from .cli import cli  # in the try: a Ctrl-C during this ~0.5 s import is caught
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli(prog_name="evidence")


if __name__ == "__main__":
    main()
