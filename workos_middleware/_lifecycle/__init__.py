"""The life of a session beyond one request: the audit trail of sign-ins, sign-outs and
refusals; directory events (webhooks, the Events API) applied to stored sessions; the
WorkOS management API they use.
"""
