"""Product identity beyond the name key: the release line a product name ends with.

`advisories.products` turns names into keys (the product) and the catalogue; this package
holds what a key deliberately leaves out. `lines` reads "Office 2019", "Teamcenter V13.1"
or "Widget Server 12" as a product plus a release line, tells whether two lines can be the
same, and narrows a statement's versions to the line its name names; `designations` reads
the model number a hardware name's numbers start with ("808D" of "SINUMERIK 808D V4.7"),
which the key drops with the versions but which names another product; `articles` reads the
article numbers a hardware name gives in brackets ("(6ES7511-1AK01-0AB0)"), which name
different hardware under one display name; `windows` reads the editions and servicing
channels of a client Windows name ("Windows 10 Pro", "Enterprise LTSC 2019"), which are no
product and no line of their own.
"""
