CREATE TABLE "places_place" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "created" datetime NOT NULL, "modified" datetime NOT NULL, "name" varchar(50) NOT NULL, "address" varchar(80) NOT NULL);
CREATE TABLE "places_restaurant" ("place_ptr_id" bigint NOT NULL PRIMARY KEY REFERENCES "places_place" ("id") DEFERRABLE INITIALLY DEFERRED, "serves_hot_dogs" bool NOT NULL, "serves_pizza" bool NOT NULL);
CREATE TABLE "places_supplier" ("place_ptr_id" bigint NOT NULL PRIMARY KEY REFERENCES "places_place" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "places_supplier_customers" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "supplier_id" bigint NOT NULL REFERENCES "places_supplier" ("place_ptr_id") DEFERRABLE INITIALLY DEFERRED, "restaurant_id" bigint NOT NULL REFERENCES "places_restaurant" ("place_ptr_id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "places_italianrestaurant" ("restaurant_ptr_id" bigint NOT NULL PRIMARY KEY REFERENCES "places_restaurant" ("place_ptr_id") DEFERRABLE INITIALLY DEFERRED, "serves_gnocchi" bool NOT NULL);
CREATE UNIQUE INDEX "places_supplier_customers_supplier_id_restaurant_id_0325ded6_uniq" ON "places_supplier_customers" ("supplier_id", "restaurant_id");
CREATE INDEX "places_supplier_customers_supplier_id_0f9a2691" ON "places_supplier_customers" ("supplier_id");
CREATE INDEX "places_supplier_customers_restaurant_id_0893e86c" ON "places_supplier_customers" ("restaurant_id");
