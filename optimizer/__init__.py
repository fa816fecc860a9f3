"""The offer-policy optimizer: coefficients by simulation, the LP (PuLP), frontier, validation."""
