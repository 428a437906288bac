"""`python -m bot` is the `newsbot` command."""

import sys

from ._cli import main

sys.exit(main())
