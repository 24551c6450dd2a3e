"""Edge video AI: camera → motion → detect → track → plot zones → activities → evidence → outbox."""
