"""The values every part speaks (TypedDicts, exceptions, effects: I/O as values, the
request and response messages) and the one tool both the stores and the drivers use
(an asyncio client per event loop).
"""
