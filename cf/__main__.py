"""``python -m cf``: see :mod:`cf.cli`."""

import sys

from cf.cli import main

sys.exit(main())
