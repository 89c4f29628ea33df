"""Developer scripts: launcher, evaluation and benchmark."""
