"""Protection rules: paths normalised for matching, rules and access rules compiled at
construction.
"""
