"""Calibration: behavioural parameters estimated from a team's own history (``acordo calibrate``).

Beside :mod:`optimizer`, above :mod:`simulation`: it reads histories through :mod:`scenarios`
and uses the model's parameterisation and engine for the backtest.
"""
