"""Loading data and model files that people upload or pick."""
