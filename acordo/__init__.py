"""acordo: the command line and the run pipeline (the top layer).

Layers, imports pointing down only: acordo -> reports -> optimizer -> simulation -> scenarios.
"""
