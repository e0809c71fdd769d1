"""xborder: joint market, channel, warehouse and lane planning for cross-border social commerce."""

__version__ = "0.1.0"
