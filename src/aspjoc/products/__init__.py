"""Intelligence products: threat assessments, advisories, activity reports and modus-operandi bulletins.

Generated from the data through the access gate of the product's audience, charted,
reviewed by a second person, published, and rendered to HTML, PDF, STIX 2.1 and Markdown.
"""
