"""The /api/auth/* routes: dispatch, the sign-in flow, the sign-in page, the audit trail."""
