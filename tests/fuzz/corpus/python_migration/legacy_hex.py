# An Alembic 0.1 style file: no `revision` variable, the id is the file name.
down_revision = None
if False:
    revision = 'x'
class Foo:
    revision = 'y'
