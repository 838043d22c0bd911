"""micromarket: ESP32 plugs and meters as signed agents of a neighbourhood energy market."""

__version__ = "0.1.0"
