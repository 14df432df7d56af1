"""Background jobs: training, cross-validation, sweeps and map layouts, under one small protocol."""
