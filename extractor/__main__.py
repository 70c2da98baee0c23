"""``python -m extractor`` runs the ``evidence`` command line."""

from .cli import cli

if __name__ == "__main__":
    cli(prog_name="evidence")
