"""statusgen: a static status-page generator."""
