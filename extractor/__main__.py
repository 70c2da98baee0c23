"""``python -m extractor`` runs the ``evidence`` command line."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; Ctrl-C while it is still starting is one line and status 130."""
    try:
        from .cli import cli  # importing the pipeline's libraries takes a second or two
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli(prog_name="evidence")


if __name__ == "__main__":
    main()
