"""Datasets: synthetic stand-ins and the manifest format every later step reads."""
