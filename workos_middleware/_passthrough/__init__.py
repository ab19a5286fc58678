"""The decision for a request passed to the app: a protected path's refusal, the forward-auth
answer, identity headers.
"""
