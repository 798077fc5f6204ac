import sys

from advisories.cli import main

sys.exit(main())
