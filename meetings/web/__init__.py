"""What the two browser ways in, the pages and the admin, share.

- paging: a cursor-paged list's URLs, its trail back to newer pages, and the
  way back to its first page;
- editing: saving an edit form (the three-way merge of the user's changes with
  others'), deleting at a version, a create refused for the quota, and the
  words each says;
- errors: the decorator that turns domain errors into pages;
- live: what a live page hands its scripts (stream settings, when it was read);
- time_zone: the user's time zone.
"""
