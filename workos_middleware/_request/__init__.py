"""What a passed-through request carries for app code: RequestAuth, AuthUser, get_session() and
friends.
"""
