"""Allow ``python -m geo``."""

import logging
import sys

from geo.cli import main

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
sys.exit(main())
