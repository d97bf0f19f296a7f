"""The web application: app factory, sign-in, layout, static assets."""
