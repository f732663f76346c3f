import sys

from qa_app.app.cli import main

sys.exit(main())
