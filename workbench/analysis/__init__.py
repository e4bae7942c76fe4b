"""Aggregation to pandas DataFrames: theme matrices per actor and phase, co-occurrence, change
between phases, code frequencies and the quote drill-down. Reads only."""

from .aggregate import (GROUPINGS, RESEARCHER_ACTORS, UNKNOWN, DataStatus, all_quotes, code_frequencies, cooccurrence,
                        cooccurrence_pairs, data_status, filter_values, format_position, phase_change, quotes,
                        theme_matrix)
from .frames import codes_frame, coder_names, codings_frame, segments_frame

__all__ = ["GROUPINGS", "RESEARCHER_ACTORS", "UNKNOWN", "DataStatus", "all_quotes", "code_frequencies", "codes_frame",
           "coder_names", "codings_frame", "cooccurrence", "data_status", "filter_values", "cooccurrence_pairs",
           "format_position", "phase_change", "quotes", "segments_frame", "theme_matrix"]
