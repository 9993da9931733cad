import sys

from kmrepro.cli import main

sys.exit(main())
