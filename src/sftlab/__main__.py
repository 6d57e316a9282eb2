import sys

from sftlab.run.cli import main

sys.exit(main())
