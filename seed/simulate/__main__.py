"""python -m seed.simulate [--url URL] [--tick SECONDS] [--speed X] [--duration SECONDS] [--seed N]"""

import sys

from .cli import main

sys.exit(main())
