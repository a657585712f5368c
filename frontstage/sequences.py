"""Gap-free event numbers per owner (a blueprint, a workshop), for the live pages.

The counter row is bumped by one conditional UPDATE … RETURNING inside the caller's
transaction, so the row stays locked until commit: numbers never repeat, never skip, and
commit in order. The first event of an owner inserts the row once, however many writers race.
"""

from django.db import connection, models


def sequence_next(model: type[models.Model], owner: str, owner_id: int) -> int:
    """The next number of `owner_id` in `model` (a table with `<owner>_id` and `seq`)."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(owner).column)
    sql = f"UPDATE {table} SET seq = seq + 1 WHERE {column} = %s RETURNING seq"
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner_id])
        row = cursor.fetchone()
        if row is None:
            model.objects.bulk_create(
                [model(**{f"{owner}_id": owner_id, "seq": 0})], ignore_conflicts=True
            )
            cursor.execute(sql, [owner_id])
            row = cursor.fetchone()
    return int(row[0])
