"""`python -m seqkeras.cli`: the `seqkeras` command."""

import sys

from seqkeras.cli import main

sys.exit(main())
