"""`python -m keras_mlpmix`: the `keras-mlpmix` command line."""

from keras_mlpmix.cli.main import main

raise SystemExit(main())
