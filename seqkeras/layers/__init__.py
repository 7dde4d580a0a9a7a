"""Layers and cells the course teaches, written with `keras.ops` only."""

from seqkeras.layers.forecasting import BASELINES, Autoregressive, BaselineForecast

__all__ = ["BASELINES", "Autoregressive", "BaselineForecast"]
