"""Session state: what each person's session holds, the server-wide model memory, page links."""
