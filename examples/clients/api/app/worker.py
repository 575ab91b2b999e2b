import psycopg2

def connect():
    return psycopg2.connect("host=db.internal dbname=shop user=worker password=canary-api-2")
