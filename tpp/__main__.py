"""``python -m tpp``: the command line."""

from tpp.cli import main

main()
