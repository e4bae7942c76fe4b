"""Built-in readers, one module per format. Each has ``read(path, roster) -> Parsed``."""
