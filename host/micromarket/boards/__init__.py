"""Board definitions: loading and checking boards/*.toml (pins valid for the chip, units on
physical quantities, meter calibration tables) and turning one into the compact config a device
reads. Imports only the foundation (errors, paths); everything else may import it.
"""
