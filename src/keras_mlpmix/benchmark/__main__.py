"""`python -m keras_mlpmix.benchmark`: see `keras_mlpmix.benchmark.run`."""

import sys

from keras_mlpmix.benchmark.run import main

sys.exit(main())
