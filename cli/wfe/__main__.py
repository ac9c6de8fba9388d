"""`python -m wfe` and the `wfe` console script."""

from wfe.commands import main

if __name__ == "__main__":
    main()
