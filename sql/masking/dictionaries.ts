/**
 * Word lists the name and address strategies pick from. ASCII letters only: the lists are pasted into SQL as
 * string literals and into verify's shape patterns, so they must never need escaping.
 */

/** 64 given names. */
export const FIRST_NAMES: readonly string[] = [
  "Alex", "Amara", "Ana", "Aiden", "Bea", "Ben", "Carla", "Chen", "Dana", "David", "Elena", "Eli", "Emma", "Farah",
  "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade", "Jonas", "Kai", "Kira", "Lara", "Leo", "Lina", "Luca",
  "Maya", "Mateo", "Mia", "Nadia", "Noah", "Nora", "Omar", "Olga", "Paul", "Priya", "Quinn", "Rafael", "Rosa", "Ravi",
  "Sara", "Sam", "Sofia", "Taro", "Tess", "Theo", "Uma", "Umar", "Vera", "Victor", "Wen", "Will", "Xena", "Xavi",
  "Yara", "Yusuf", "Zoe", "Zane", "Ada", "Ian", "Eva", "Oscar",
];

/** 64 family names. */
export const LAST_NAMES: readonly string[] = [
  "Abbott", "Alvarez", "Baker", "Banda", "Chen", "Costa", "Diaz", "Dubois", "Evans", "Eriksen", "Fischer", "Fontaine",
  "Garcia", "Gupta", "Hansen", "Horvat", "Ibrahim", "Ito", "Jensen", "Jones", "Kim", "Kowalski", "Larsen", "Lopez",
  "Martin", "Mensah", "Nakamura", "Novak", "Okafor", "Olsen", "Patel", "Petrov", "Quinn", "Quispe", "Rossi", "Ruiz",
  "Sato", "Schmidt", "Silva", "Smith", "Tanaka", "Torres", "Ueda", "Usman", "Varga", "Vogel", "Walker", "Weber",
  "Xu", "Yamada", "Yilmaz", "Young", "Zhang", "Zimmer", "Adler", "Brooks", "Carter", "Dahl", "Ellis", "Ford",
  "Hayes", "Keller", "Moreau", "Reyes",
];

/** 32 street names. */
export const STREETS: readonly string[] = [
  "Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Aspen", "Lake", "Hill", "River", "Park", "Meadow",
  "Forest", "Garden", "Harbor", "Mill", "Orchard", "Ridge", "Spring", "Station", "Sunset", "Valley", "Bridge",
  "Church", "College", "Highland", "Market", "North", "South", "West", "East",
];

/** 8 street suffixes. */
export const STREET_SUFFIXES: readonly string[] = ["St", "Ave", "Rd", "Ln", "Blvd", "Way", "Dr", "Ct"];
