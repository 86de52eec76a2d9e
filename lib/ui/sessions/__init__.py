"""Staff sessions in the browser: the store every page checks, the sign-in cookie, and the admin
list of sessions (``lib.staff.sessions`` holds the logic, this package only the Streamlit edge)."""
