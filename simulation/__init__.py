"""The simulator: a vectorised simpy engine, a per-debtor reference, Monte Carlo and backends."""
