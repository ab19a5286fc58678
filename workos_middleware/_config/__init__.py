"""Configuration and assembly: AuthConfig, from_env(), and AuthCore, the parts built once from
them.
"""
