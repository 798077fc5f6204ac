"""Product identity: is this inventory row the product an affected statement speaks of?

One module per job, lowest first (each imports only those above it):

- `articles`, `designations`, `windows`: what a name says beyond the product: article
  numbers in brackets, the model designation its numbers start with, a client Windows
  name's edition and servicing channel
- `words`: a display name read into words (marks, bitness, locale, install details gone)
- `vendors`: makers, and whether two publishers can be one
- `platforms`: the platform a name is written for ("FortiClientMac"); `models` imports it,
  so it and `words` import nothing that imports `models`
- `names`: the name key (`normalise_name`) and the versions that ended the name
- `packages`: purls (CPEs are `advisories.cpe`)
- `lines`: the release line a name ends with ("Office 2019"), which the key leaves out, and
  whether a row can be on a statement's line
- `catalogue_file`: rules/products.toml read into `Product`s
- `explain`: near misses, why a near name was not taken
- `catalogue`: the `Catalogue`, matching by key

`advisories.products` re-exports the public names for older callers.
"""
